"""Step Functions engine: a local Amazon States Language interpreter.

It mirrors the results and errors of AWS Step Functions.

The data-flow layer lives in ``jsonpath`` (paths, InputPath/ResultPath/OutputPath), ``intrinsics``
(``States.*`` functions), ``payload`` (JSONPath payload templates) and ``jsonata_eval`` (JSONata
``{% %}`` expressions); ``dataflow`` applies them to a state in AWS's order. Every runtime failure
is an ``errors.StatesError``.
"""
