"""The trained understander: a small joint multi-intent + slot-filling model an industry trains on its own data.

`data` reads and validates labelled examples, `model` is the network, `understander` loads a trained model
directory and predicts in batches on the CPU. Training lives in `luodi.nlu.training`, metrics in
`luodi.nlu.metrics`. Only `data` is torch-free; import the others lazily.
"""
