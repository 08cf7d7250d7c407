export { readOnnx } from './reader';
export { writeOnnx } from './writer';
export { MIN_OPSET, MAX_OPSET, defaultOpset } from './opsets';
