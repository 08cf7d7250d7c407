export { readOnnx } from './reader';
export { writeOnnx } from './writer';
