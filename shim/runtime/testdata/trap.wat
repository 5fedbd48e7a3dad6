;; Traps two frames deep: exit status 134, the trap and its backtrace on stderr.
(module
  (func $boom unreachable)
  (func (export "_start") call $boom))
