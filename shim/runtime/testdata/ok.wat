;; A WASI command that returns from _start: exit status 0.
(module (func (export "_start")))
