/**
 * The one way edgelock loads onnxruntime and opens a session. onnxruntime's native logger prints its own lines
 * (coloured, timestamped) on stderr, e.g. "[E:onnxruntime:, sequential_executor.cc] Non-zero status code ..."
 * right before edgelock's own `error E_RUNTIME: ...` line; the same text reaches edgelock as the thrown error,
 * so the native logger is silenced (severity 4: fatal only), for the environment and for every session.
 */
type Ort = typeof import('onnxruntime-node');
type SessionOptions = import('onnxruntime-node').InferenceSession.SessionOptions;

/** ORT_LOGGING_LEVEL_FATAL */
export const ORT_LOG_SEVERITY = 4;

let ortModule: Ort | undefined;

/** onnxruntime-node, loaded lazily: commands that never run ONNX do not pay for its native binding. */
export function ort(): Ort {
  if (!ortModule) {
    ortModule = require('onnxruntime-node') as Ort;
    ortModule.env.logLevel = 'fatal';
  }
  return ortModule;
}

export function createSession(
  model: Uint8Array,
  options: SessionOptions = {},
): Promise<import('onnxruntime-node').InferenceSession> {
  return ort().InferenceSession.create(model, { ...options, logSeverityLevel: ORT_LOG_SEVERITY, logVerbosityLevel: 0 });
}
