"""The order saga: its input, the Step Functions port, the view of a saga's progress, the reply
callback and the handlers (starter, callback, HTTP API). The definition itself is
``platform/saga/order_saga.asl.json``."""
