;; Grows linear memory 1 MiB at a time and touches every page, forever: only the cgroup's memory
;; limit (an OOM kill) ends it; a refused memory.grow traps.
(module
  (memory 1)
  (func (export "_start")
    (local $base i32) (local $off i32)
    (loop $grow
      (local.set $base (memory.grow (i32.const 16)))
      (if (i32.eq (local.get $base) (i32.const -1)) (then unreachable))
      (local.set $base (i32.mul (local.get $base) (i32.const 65536)))
      (local.set $off (i32.const 0))
      (loop $touch
        (i32.store (i32.add (local.get $base) (local.get $off)) (i32.const 1))
        (local.set $off (i32.add (local.get $off) (i32.const 4096)))
        (br_if $touch (i32.lt_u (local.get $off) (i32.const 1048576))))
      (br $grow))))
