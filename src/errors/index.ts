export { ERROR_CATALOGUE, ErrorCode } from './catalogue';
export { EdgelockError, ErrorLocation, isEdgelockError, asEdgelockError } from './edgelock-error';
