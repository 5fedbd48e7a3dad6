;; Loops forever: only a signal ends it.
(module (func (export "_start") (loop $l br $l)))
