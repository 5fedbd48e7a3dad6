;; Traps a few frames deep (recursion keeps $boom out of line): exit status 134, the trap and
;; its backtrace on stderr.
(module
  (func $boom (param i32)
    (if (local.get 0)
      (then (call $boom (i32.sub (local.get 0) (i32.const 1))))
      (else unreachable)))
  (func $main (export "_start") (call $boom (i32.const 3))))
