;; The GEMM kernels of the trainer in WebAssembly 128-bit SIMD (loaded by src/train/gemm-wasm.ts).
;; Assembled into gemm-wasm.wasm by `npx tsx scripts/gen-wasm.ts` (wabt's wat2wasm, from npm);
;; test/train/gemm-wasm-module.test.ts fails when the committed .wasm differs from a fresh assembly.
;;
;; All addresses and strides are in bytes. The caller (gemm-wasm.ts) copies the operands into
;; this module's memory with every row padded to a whole number of f32x4 vectors (padding zeroed),
;; runs a kernel, and copies the output block back. Accumulation is in single precision: each
;; output element is computed by the same sequence of operations whatever its position, so the
;; result does not depend on how the columns are blocked.
(module
  ;; One 64 KiB page to start; gemm-wasm.ts grows it to fit the operands.
  (memory (export "memory") 1)

  ;; nn: C[m × 4·nv] = (acc ? C : 0) + A · B[k × 4·nv]
  ;; A's element (row r, column p) is at a + r·ars + p·acs, so the same kernel reads A stored
  ;; row-major (ars = 4k, acs = 4: A·B) or transposed (ars = 4, acs = 4m: Aᵀ·B). B and C are
  ;; row-major with rows of nv vectors. For each output row, the columns are covered 16 at a time
  ;; (four accumulator vectors) while a whole group of 16 fits, then one vector at a time; each
  ;; step of the reduction broadcasts one element of A and multiplies it into the vectors of one
  ;; row of B.
  (func (export "nn")
    (param $m i32) (param $nv i32) (param $k i32)
    (param $a i32) (param $ars i32) (param $acs i32)
    (param $b i32) (param $c i32) (param $acc i32)
    (local $ns i32)   ;; bytes per row of B and C (16·nv)
    (local $i i32)    ;; output row
    (local $jb i32)   ;; byte offset of the current column group within a row
    (local $p i32)    ;; reduction steps left
    (local $ap i32)   ;; address of A(i, current p)
    (local $bp i32)   ;; address of B(current p, column group)
    (local $cp i32)   ;; address of row i of C
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)  ;; accumulators
    (local $sa v128)  ;; A(i, p) in all four lanes
    (local.set $ns (i32.mul (local.get $nv) (i32.const 16)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ns))))
        (local.set $jb (i32.const 0))

        ;; Columns in groups of four vectors (64 bytes) while a whole group fits.
        (block $wide_done
          (loop $wide
            (br_if $wide_done (i32.gt_u (i32.add (local.get $jb) (i32.const 64)) (local.get $ns)))
            (if (local.get $acc)
              (then
                (local.set $v0 (v128.load offset=0 (i32.add (local.get $cp) (local.get $jb))))
                (local.set $v1 (v128.load offset=16 (i32.add (local.get $cp) (local.get $jb))))
                (local.set $v2 (v128.load offset=32 (i32.add (local.get $cp) (local.get $jb))))
                (local.set $v3 (v128.load offset=48 (i32.add (local.get $cp) (local.get $jb)))))
              (else
                (local.set $v0 (v128.const i32x4 0 0 0 0))
                (local.set $v1 (v128.const i32x4 0 0 0 0))
                (local.set $v2 (v128.const i32x4 0 0 0 0))
                (local.set $v3 (v128.const i32x4 0 0 0 0))))
            (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ars))))
            (local.set $bp (i32.add (local.get $b) (local.get $jb)))
            (local.set $p (local.get $k))
            (block $wide_k_done
              (loop $wide_k
                (br_if $wide_k_done (i32.eqz (local.get $p)))
                (local.set $sa (v128.load32_splat (local.get $ap)))
                (local.set $v0 (f32x4.add (local.get $v0) (f32x4.mul (local.get $sa) (v128.load offset=0 (local.get $bp)))))
                (local.set $v1 (f32x4.add (local.get $v1) (f32x4.mul (local.get $sa) (v128.load offset=16 (local.get $bp)))))
                (local.set $v2 (f32x4.add (local.get $v2) (f32x4.mul (local.get $sa) (v128.load offset=32 (local.get $bp)))))
                (local.set $v3 (f32x4.add (local.get $v3) (f32x4.mul (local.get $sa) (v128.load offset=48 (local.get $bp)))))
                (local.set $ap (i32.add (local.get $ap) (local.get $acs)))
                (local.set $bp (i32.add (local.get $bp) (local.get $ns)))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $wide_k)))
            (v128.store offset=0 (i32.add (local.get $cp) (local.get $jb)) (local.get $v0))
            (v128.store offset=16 (i32.add (local.get $cp) (local.get $jb)) (local.get $v1))
            (v128.store offset=32 (i32.add (local.get $cp) (local.get $jb)) (local.get $v2))
            (v128.store offset=48 (i32.add (local.get $cp) (local.get $jb)) (local.get $v3))
            (local.set $jb (i32.add (local.get $jb) (i32.const 64)))
            (br $wide)))

        ;; The remaining columns one vector (16 bytes) at a time, the same operations per lane.
        (block $narrow_done
          (loop $narrow
            (br_if $narrow_done (i32.gt_u (i32.add (local.get $jb) (i32.const 16)) (local.get $ns)))
            (if (local.get $acc)
              (then (local.set $v0 (v128.load offset=0 (i32.add (local.get $cp) (local.get $jb)))))
              (else (local.set $v0 (v128.const i32x4 0 0 0 0))))
            (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ars))))
            (local.set $bp (i32.add (local.get $b) (local.get $jb)))
            (local.set $p (local.get $k))
            (block $narrow_k_done
              (loop $narrow_k
                (br_if $narrow_k_done (i32.eqz (local.get $p)))
                (local.set $sa (v128.load32_splat (local.get $ap)))
                (local.set $v0 (f32x4.add (local.get $v0) (f32x4.mul (local.get $sa) (v128.load offset=0 (local.get $bp)))))
                (local.set $ap (i32.add (local.get $ap) (local.get $acs)))
                (local.set $bp (i32.add (local.get $bp) (local.get $ns)))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $narrow_k)))
            (v128.store offset=0 (i32.add (local.get $cp) (local.get $jb)) (local.get $v0))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br $narrow)))

        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; nt: C[m × 4·nb] = (acc ? C : 0) + A[m × 4·kq] · B[4·nb × 4·kq]ᵀ
  ;; Dot products of rows: A, B and C row-major, rows of A and B kq vectors long (zero-padded),
  ;; rows of C nb vectors long (B has 4·nb rows, the ones past n zeroed). Four rows of B per row
  ;; of A, one accumulator vector each; at the end each accumulator is summed across its lanes as
  ;; ((lane0 + lane1) + lane2) + lane3 and added to C (or to 0).
  (func (export "nt")
    (param $m i32) (param $nb i32) (param $kq i32)
    (param $a i32) (param $b i32) (param $c i32) (param $acc i32)
    (local $ks i32)   ;; bytes per row of A and B (16·kq)
    (local $cs i32)   ;; bytes per row of C (16·nb)
    (local $i i32)    ;; row of A and C
    (local $j i32)    ;; byte offset of the current four columns of C within its row
    (local $q i32)    ;; reduction vectors left
    (local $ap i32)   ;; address in row i of A
    (local $bp i32)   ;; address in the first of the four rows of B
    (local $cp i32)   ;; address of row i of C
    (local $bj i32)   ;; address of the first of the four rows of B for this column group
    (local $ks2 i32)  ;; 2·ks
    (local $ks3 i32)  ;; 3·ks
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)  ;; accumulators of columns j..j+3
    (local $av v128)  ;; four elements of row i of A
    (local.set $ks (i32.mul (local.get $kq) (i32.const 16)))
    (local.set $ks2 (i32.add (local.get $ks) (local.get $ks)))
    (local.set $ks3 (i32.add (local.get $ks2) (local.get $ks)))
    (local.set $cs (i32.mul (local.get $nb) (i32.const 16)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))))
        (local.set $j (i32.const 0))
        (local.set $bj (local.get $b))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $cs)))
            (local.set $v0 (v128.const i32x4 0 0 0 0))
            (local.set $v1 (v128.const i32x4 0 0 0 0))
            (local.set $v2 (v128.const i32x4 0 0 0 0))
            (local.set $v3 (v128.const i32x4 0 0 0 0))
            (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ks))))
            (local.set $bp (local.get $bj))
            (local.set $q (local.get $kq))
            (block $k_done
              (loop $k
                (br_if $k_done (i32.eqz (local.get $q)))
                (local.set $av (v128.load (local.get $ap)))
                (local.set $v0 (f32x4.add (local.get $v0) (f32x4.mul (local.get $av) (v128.load (local.get $bp)))))
                (local.set $v1 (f32x4.add (local.get $v1) (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $bp) (local.get $ks))))))
                (local.set $v2 (f32x4.add (local.get $v2) (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $bp) (local.get $ks2))))))
                (local.set $v3 (f32x4.add (local.get $v3) (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $bp) (local.get $ks3))))))
                (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
                (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
                (local.set $q (i32.sub (local.get $q) (i32.const 1)))
                (br $k)))
            ;; C(i, j + r) = (acc ? C(i, j + r) : 0) + the lane sum of accumulator r
            (f32.store offset=0
              (i32.add (local.get $cp) (local.get $j))
              (f32.add
                (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v0)) (f32x4.extract_lane 1 (local.get $v0)))
                  (f32x4.extract_lane 2 (local.get $v0))) (f32x4.extract_lane 3 (local.get $v0)))
                (if (result f32) (local.get $acc)
                  (then (f32.load offset=0 (i32.add (local.get $cp) (local.get $j))))
                  (else (f32.const 0)))))
            (f32.store offset=4
              (i32.add (local.get $cp) (local.get $j))
              (f32.add
                (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v1)) (f32x4.extract_lane 1 (local.get $v1)))
                  (f32x4.extract_lane 2 (local.get $v1))) (f32x4.extract_lane 3 (local.get $v1)))
                (if (result f32) (local.get $acc)
                  (then (f32.load offset=4 (i32.add (local.get $cp) (local.get $j))))
                  (else (f32.const 0)))))
            (f32.store offset=8
              (i32.add (local.get $cp) (local.get $j))
              (f32.add
                (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v2)) (f32x4.extract_lane 1 (local.get $v2)))
                  (f32x4.extract_lane 2 (local.get $v2))) (f32x4.extract_lane 3 (local.get $v2)))
                (if (result f32) (local.get $acc)
                  (then (f32.load offset=8 (i32.add (local.get $cp) (local.get $j))))
                  (else (f32.const 0)))))
            (f32.store offset=12
              (i32.add (local.get $cp) (local.get $j))
              (f32.add
                (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v3)) (f32x4.extract_lane 1 (local.get $v3)))
                  (f32x4.extract_lane 2 (local.get $v3))) (f32x4.extract_lane 3 (local.get $v3)))
                (if (result f32) (local.get $acc)
                  (then (f32.load offset=12 (i32.add (local.get $cp) (local.get $j))))
                  (else (f32.const 0)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (local.set $bj (i32.add (local.get $bj) (i32.mul (local.get $ks) (i32.const 4))))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))))
