;; RFC 6455 §5.3 (Client-to-Server Masking) as a WebAssembly SIMD kernel: XOR with the 4-byte
;; masking key, 64 bytes (four 128-bit vectors) per step. The source of mask-simd-module.ts:
;; `npm run build:mask` (scripts/build-mask-wasm.ts) compiles it with wabt.
;;
;; The kernel sees only its own linear memory: mask-simd.ts copies a chunk of payload in at
;; address 0, calls `mask`, and copies the chunk out. One page (64 KiB) is the largest chunk, so
;; the memory stays bounded whatever the payload's size.
(module
  (memory (export "memory") 1 1)

  ;; mask(length, key): XORs bytes [0, length) of memory with the key repeated from byte 0.
  ;; `key` is the masking key as a 32-bit number in network byte order (key octet 0 is the most
  ;; significant), the way the frame header carries it.
  ;;
  ;; The last step may run up to 63 bytes past `length`: those bytes are scratch (the caller copies
  ;; out only `length` bytes), and a full chunk ends exactly at the end of the page.
  (func (export "mask") (param $length i32) (param $key i32)
    (local $keyVector v128)
    (local $at i32)
    ;; Wasm loads and stores little-endian, so a splatted number would put key octet 3 first in
    ;; every lane. The shuffle reverses the bytes of each 4-byte lane: octets 0,1,2,3 in memory order.
    (local.set $keyVector
      (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12
        (i32x4.splat (local.get $key))
        (i32x4.splat (local.get $key))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $length)))
        (v128.store offset=0 (local.get $at)
          (v128.xor (v128.load offset=0 (local.get $at)) (local.get $keyVector)))
        (v128.store offset=16 (local.get $at)
          (v128.xor (v128.load offset=16 (local.get $at)) (local.get $keyVector)))
        (v128.store offset=32 (local.get $at)
          (v128.xor (v128.load offset=32 (local.get $at)) (local.get $keyVector)))
        (v128.store offset=48 (local.get $at)
          (v128.xor (v128.load offset=48 (local.get $at)) (local.get $keyVector)))
        (local.set $at (i32.add (local.get $at) (i32.const 64)))
        (br $next))))
)
