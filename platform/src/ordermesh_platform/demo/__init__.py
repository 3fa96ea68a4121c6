"""``ordermesh demo --scenario``: the demo's normal traffic and the incidents it can stage."""
