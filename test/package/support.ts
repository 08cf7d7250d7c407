/** What the package tests share: the board uid their packages are for. */
export const TEST_UID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
