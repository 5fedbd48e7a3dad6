;; Starts with 3 pages, grows to 5, then loops forever: Stats see 5 pages of linear memory.
(module
  (memory 3)
  (func (export "_start")
    (drop (memory.grow (i32.const 2)))
    (loop $l br $l)))
