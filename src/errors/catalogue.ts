/**
 * The one catalogue of user-facing errors. Every failure a user can see has a stable code here,
 * a one-line description and, where useful, a hint. Codes are never renumbered or reused.
 * Add new codes at the end of their section.
 */
export const ERROR_CATALOGUE = {
  // --- input files and formats
  E_FILE_NOT_FOUND: { summary: 'a file could not be read', hint: 'check the path' },
  E_FILE_WRITE: { summary: 'a file could not be written', hint: 'check the directory exists and is writable' },
  E_FORMAT_UNKNOWN: {
    summary: 'the bytes are not a format edgelock reads',
    hint: 'edgelock reads ONNX, TFLite and .elp packages',
  },
  E_FORMAT_MISMATCH: { summary: 'the file is of a different format than this command needs' },
  E_NPY_INVALID: {
    summary: 'a .npy file is malformed or of an unsupported dtype',
    hint: 'save float32 arrays with numpy.save',
  },
  E_DATA_SHAPE: { summary: 'input data does not fit the model input shape' },
  E_INPUT_NOT_REGULAR: {
    summary: 'an input is not a regular file (a device, pipe, socket or directory)',
    hint: 'copy the data into a file first',
  },
  E_INPUT_TOO_LARGE: { summary: 'an input file is larger than edgelock reads (1 GiB; 32 bytes for keys)' },
  E_OUTPUT_IS_INPUT: {
    summary: "the output path is one of the command's inputs (same file, also through a link)",
    hint: 'write to a new path',
  },
  E_OUTPUT_IS_KEY: {
    summary: 'the output path holds a key file; edgelock never overwrites a key',
    hint: 'write to another path',
  },
  E_DATA_NONFINITE: {
    summary: 'input data holds NaN or infinite values',
    hint: 'clean the data (numpy.nan_to_num) or drop those samples',
  },

  // --- ONNX import/export
  E_ONNX_PARSE: { summary: 'the ONNX protobuf could not be decoded (truncated or corrupt file)' },
  E_ONNX_EXTERNAL_DATA: {
    summary: 'the model keeps tensors in external data files',
    hint: 're-save the model with all tensors embedded (onnx.save(model, path, save_as_external_data=False))',
  },
  E_ONNX_DOMAIN: { summary: 'the model imports an operator-set domain edgelock does not know' },
  E_ONNX_OPSET: { summary: 'the model uses an unsupported opset version', hint: 'export with opset 7-18' },
  E_ONNX_UNSUPPORTED_OP: { summary: 'the model uses an operator edgelock does not support' },
  E_ONNX_INVALID_NODE: { summary: 'a node is malformed (wrong input count, bad attribute, or an undefined input)' },
  E_ONNX_SHAPE: { summary: 'shape inference failed for a node' },
  E_ONNX_DYNAMIC_SHAPE: {
    summary: 'a shape that must be static is not known at compile time',
    hint: 'export with fixed input shapes (batch 1)',
  },
  E_ONNX_DTYPE: { summary: 'the model uses a tensor data type edgelock does not support' },
  E_ONNX_GRAPH: { summary: 'the graph is malformed (cycle, missing output, duplicate name)' },
  E_MODEL_TOO_LARGE: {
    summary: "evaluating the model's constants would pass edgelock's memory budget (256 MiB)",
    hint: 'a microcontroller model needs far less; check the named node',
  },
  E_ONNX_NO_OUTPUTS: { summary: 'the graph declares no outputs' },

  // --- passes and reference execution
  E_PASS_FAILED: { summary: 'a graph pass could not be applied' },
  E_PASS_NO_FIXPOINT: { summary: 'the pass pipeline did not reach a fixed point' },
  E_RUNTIME: { summary: 'the reference runtime failed to run the model' },
  E_TRAIN_UNSUPPORTED: {
    summary: 'the model is not a graph the trainer can train',
    hint: 'the trainer takes chains of Conv, Gemm, Relu, MaxPool, AveragePool, GlobalAveragePool and Flatten',
  },
  E_ZOO_TRAINER_MISSING: {
    summary: 'the zoo build needs PyTorch (/usr/bin/python3 with torch, onnx, numpy) to train a model',
    hint: 'apt-get install python3-torch python3-onnx; the committed model is kept meanwhile',
  },

  // --- TFLite back end
  E_TFLITE_PARSE: { summary: 'the TFLite flatbuffer could not be decoded' },
  E_TFLITE_INVALID: {
    summary:
      'the TFLite model is structurally invalid (buffer sizes, quantisation, operator options or graph order): a runtime would refuse it',
  },
  E_TFLITE_UNSUPPORTED: { summary: 'a node has no TFLite (int8) lowering' },
  E_TFLITE_LAYOUT: { summary: 'the NCHW→NHWC layout conversion is not possible for a node' },
  E_CALIB_DATA: { summary: 'calibration data is missing or does not match the model input' },
  E_QUANT_RANGE: { summary: 'a tensor has no usable quantisation range' },

  // --- boards and the device protocol (statuses map here via src/protocol/definition.ts)
  E_BOARD_UNKNOWN: { summary: 'no such board', hint: 'boards: qemu-mps2-an386, qemu-mps2-an505, host-sim' },
  E_BOARD_TOOL_MISSING: {
    summary: 'a tool needed to build or run the board is not installed',
    hint: 'apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm make gcc',
  },
  E_BOARD_BUILD: { summary: 'the board firmware failed to build' },
  E_BOARD_START: { summary: 'the board did not start or did not report its serial port' },
  E_BOARD_NOT_RUNNING: {
    summary: 'no running board matches that pid or port',
    hint: 'list boards with `edgelock board list`',
  },
  E_DEVICE_PORT: {
    summary: 'the serial port could not be opened or was closed',
    hint: 'check the port path and that the board is running',
  },
  E_DEVICE_PORT_BUSY: {
    summary: 'another edgelock process is using this serial port (one process per board)',
    hint: 'wait for the other command or station to finish',
  },
  E_DEVICE_TIMEOUT: { summary: 'the device did not answer, even after retries' },
  E_DEVICE_FRAME: { summary: 'the device answered with a malformed response' },
  E_DEVICE_VERSION: {
    summary: 'the device speaks another protocol version',
    hint: 'rebuild the firmware from this edgelock version',
  },
  E_DEVICE_UNKNOWN_COMMAND: {
    summary: 'the device firmware does not implement this command',
    hint: 'update the firmware',
  },
  E_DEVICE_DEV_ONLY: {
    summary: 'the board runs a production firmware, which has no development model upload',
    hint: 'flash a package (edgelock package, edgelock flash), or start a development board: edgelock board start --flavour dev',
  },
  E_DEVICE_BAD_REQUEST: { summary: 'the device rejected the request as malformed or out of range' },
  E_DEVICE_KEY_CONFLICT: { summary: 'the device already holds a different key; keys are write-once' },
  E_DEVICE_KEY_EMPTY: { summary: 'the device has no key provisioned', hint: 'provision it first' },
  E_DEVICE_MODEL_TOO_LARGE: { summary: 'the model does not fit the device model slot' },
  E_DEVICE_MODEL_SEQUENCE: { summary: 'the model upload went out of order on the device' },
  E_DEVICE_MODEL_HASH: { summary: 'the model stored on the device does not have the expected SHA-256' },
  E_DEVICE_MODEL_INVALID: { summary: 'the device model runtime rejected the model' },
  E_DEVICE_MODEL_EMPTY: {
    summary: 'the device model slot holds no runnable model',
    hint: 'load a compiled int8 model into the slot first',
  },
  E_DEVICE_RUN: { summary: 'the device model runtime failed to run the model' },
  E_DEVICE_LOCK_RAM: {
    summary: "the locked model's sealed weights do not fit the device's unseal buffer (EL_LOCK_RAM_BYTES)",
    hint: 'rebuild the firmware with a larger EL_LOCK_RAM_BYTES, or lock a smaller model',
  },
  E_DEVICE_QUERY_BUDGET: {
    summary:
      "the board's query budget for the active package is spent (lifetime, or until a reset for a per-boot budget)",
    hint: 'a new budget needs a package with a higher security counter (docs/package.md, "Query limits")',
  },
  E_DEVICE_QUERY_RATE: {
    summary: "the board's query rate for the active package is exceeded in this window",
    hint: 'wait for the window to end (the error says how long) and query again',
  },
  E_DEVICE_STORAGE: { summary: 'the device persistent storage failed' },
  E_DEVICE_SECURE_FAULT: {
    summary: "the board's secure image caught a non-secure access to secure memory (a PROBE_READ test)",
  },
  E_DEVICE_INTERNAL: { summary: 'the device reported an internal error' },

  // --- keys and key-locking
  E_KEY_FILE: {
    summary: 'a key file is missing, unreadable or not 32 bytes',
    hint: 'create one with `edgelock keygen -o master.key`',
  },
  E_KEY_EXISTS: {
    summary: 'the key file already exists; keygen never overwrites a key',
    hint: 'choose another path or remove the old key deliberately',
  },
  E_KEY_PERMISSIONS: {
    summary: 'a key file is readable or writable by group or others',
    hint: 'chmod 600 <keyfile> (keygen creates keys with mode 0600)',
  },
  E_KEY_WEAK: {
    summary: 'a key file is all zero or has too few distinct byte values to be a random key',
    hint: 'create a key with `edgelock keygen -o <file>`',
  },
  E_LOCK_KEY_MISMATCH: {
    summary: 'the key does not match the locked model (key id check failed)',
    hint: 'use the master key and device uid the model was locked for',
  },
  E_LOCK_KEY_REQUIRED: {
    summary: 'the model is locked; this needs its key',
    hint: 'pass --key <keyfile> (and --device-uid <uid> for device-bound locks)',
  },
  E_LOCK_NOT_PACKAGED: {
    summary:
      'the board runs locked models only when they arrive in an authenticated package; this one was a development upload',
    hint: 'package it for the board (edgelock package) and flash it (edgelock flash)',
  },
  E_LOCK_DESCRIPTOR: { summary: 'the lock descriptor of a locked model is malformed or of an unknown version' },
  E_LOCK_UNSUPPORTED: { summary: 'the model cannot be locked with this scheme' },
  E_LOCK_ALREADY: { summary: 'the model is already locked', hint: 'lock the original, unlocked model' },

  // --- watermarking
  E_WATERMARK_PARAMS: {
    summary: 'the watermark parameters are missing, invalid or do not fit the model',
    hint: 'verify a model written by `edgelock watermark embed`; for a file without the record pass --params <the watermarked .onnx>',
  },
  E_WATERMARK_DATA: {
    summary: 'the base data for the watermark triggers does not fit (count, shape or labels)',
    hint: 'use the same training data (and labels) that the watermark was embedded with',
  },
  E_WATERMARK_NULL: {
    summary: 'the null-calibration file is missing or malformed',
    hint: 'create it with `edgelock watermark calibrate`, or pass --null <rate>',
  },
  E_FINGERPRINT_FORMAT: {
    summary: 'the fingerprint file is malformed, of an unknown version or inconsistent',
    hint: 'create it with `edgelock fingerprint create`',
  },
  E_FINGERPRINT_MODEL: {
    summary: 'the fingerprint does not fit the model checked (input size or classes)',
    hint: 'check the model the fingerprint was made for',
  },
  E_WATERMARK_DEVICE_SEQUENCE: {
    summary:
      'the board has no watermark check open at that point (WATERMARK_BASES without WATERMARK_BEGIN, out of order, or after a reset)',
    hint: 'run the check again; the host opens a new one',
  },

  // --- tracing a leaked model to its board (src/trace/)
  E_TRACE_MODEL: {
    summary:
      'the leaked model cannot be traced against the base model (no carrier weights, or its weights do not line up)',
    hint: 'pass the base model the packages were built from (--base); for a copy of another architecture use black-box tracing (--probes)',
  },
  E_UNITS_MODEL: {
    summary: 'the model cannot take trigger units of the kind asked for (edgelock trace-units)',
    hint:
      '--room path trains a path after the convolutions, --room least-used needs only two dense layers at the end; ' +
      'a model with one dense layer after a global pool (a DS-CNN, a ResNet) is traced by its trace code alone ' +
      "(package --trace); see docs/security.md, 'Trigger units'",
  },
  E_TRACE_LOCKED: {
    summary: 'the model is sealed; tracing reads plain weights',
    hint: 'pass the master key (--key) so the sealed model is unsealed in memory',
  },
  E_TRACE_CANDIDATES: {
    summary: 'the candidate boards are missing or malformed',
    hint: 'pass --db <factory db> (its fingerprinted packages) or --devices <file> (one device uid in hex per line)',
  },
  E_TRACE_ANSWERS: {
    summary: 'the queried model answered no probe with finite scores (every answer held NaN or an infinity)',
    hint: 'nothing can be read from such answers; query the leak with other probes (--probes) or trace its file white-box',
  },

  // --- packages, flashing and attestation (statuses 0x50..0x5F map here)
  E_PACKAGE_INVALID: {
    summary: 'the package (.elp) is malformed: header, records or model hash',
    hint: 'rebuild it with `edgelock package`',
  },
  E_PACKAGE_AUTH: {
    summary: 'the package is not authentic for this device (its tag does not verify)',
    hint: "package for this board's unique id with the master key it was provisioned with",
  },
  E_PACKAGE_WRONG_DEVICE: { summary: 'the package was made for another device uid' },
  E_PACKAGE_ROLLBACK: {
    summary: "the package security counter is lower than the board's (anti-rollback)",
    hint: "package with --security-counter at least the board's",
  },
  E_COUNTER_RESERVED: {
    summary: 'the security counter 4294967295 is reserved (a board holding it could take no later package)',
    hint: 'use a counter up to 4294967294',
  },
  E_COUNTER_JUMP: {
    summary: 'the security counter jumps far ahead of the previous one; boards never lower their counter',
    hint: 'pass --previous-counter <n>, or --allow-counter-jump if the jump is intended',
  },
  E_FLASH_AMBIGUOUS: {
    summary: 'two of the packages given to flash are for the same board (device uid)',
    hint: 'give one package per board',
  },
  E_FLASH_SEQUENCE: {
    summary:
      'the package upload went out of order on the device (no upload in progress, or a chunk at an unexpected offset)',
  },
  E_FLASH_HASH: { summary: 'the package stored on the device does not have the announced SHA-256' },
  E_VERIFY_FAILED: {
    summary:
      'a board failed verification: not a genuine device, no genuine (authenticated) model active, or no owner watermark',
  },

  // --- factory station: provisioning and its database
  E_FACTORY_DB: {
    summary: 'the factory database could not be opened or is not an edgelock factory database',
    hint: 'pass --db <factory.db>: a new file, or one written by `edgelock provision`',
  },
  E_FACTORY_DB_VERSION: {
    summary: 'the factory database was written by a newer edgelock (schema version)',
    hint: 'use the edgelock version of the station that created it',
  },
  E_FACTORY_DB_BUSY: {
    summary: 'the factory database is locked by another process',
    hint: 'wait for the other command or station to finish and retry; no key is written before its attempt is recorded',
  },
  E_FACTORY_DB_UNREACHABLE: {
    summary:
      'the factory database (PostgreSQL) cannot be reached; the station stops rather than write keys it cannot record',
    hint: 'check the network and the server, then provision again: boards already written answer "unchanged"',
  },
  E_FACTORY_CLAIMED: {
    summary:
      'this device uid is already claimed for this master key by another station or run (being provisioned, or provisioned); the board was not touched',
    hint: 'two boards with one uid, or two stations on one board: check the board; `edgelock factory report --uid <uid>` shows who holds it',
  },
  E_FACTORY_COUNTER_DOWN: {
    summary: "a product line's security counter only goes up; the database refused a lower value",
  },
  E_PROVISION_VERIFY: { summary: 'after writing, the device key does not match the expected key-check value' },
  E_PROVISION_UNCONFIRMED: {
    summary: 'the board on this port is not one that was confirmed for provisioning (swapped or not listed)',
    hint: 'rerun the command and confirm the boards it lists',
  },
  E_CONFIRM_DECLINED: { summary: 'the typed confirmation did not match; nothing was written' },

  // --- warnings (printed as `warning W_CODE: ...`; the command goes on)
  W_DATA_RANGE: {
    summary:
      'the data has an extreme value range (a few huge values among small ones): int8 calibration from it leaves normal values almost no resolution',
  },

  // --- CLI usage
  E_USAGE: { summary: 'the command line is invalid' },
  E_INTERNAL: { summary: 'an internal error occurred', hint: 'rerun with --debug and report it' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
