/** The SDK version; a unit test keeps it equal to package.json's. */
export const VERSION = '1.0.0-rc';
