"""The state machine's layers and SVG, and the graph of who talks to whom."""

from __future__ import annotations

from ordermesh_contracts.catalog import EventKey
from ordermesh_platform.event_catalog.build import build_model
from ordermesh_platform.event_catalog.diagrams import graph_svg, layers, machine_svg
from ordermesh_platform.event_catalog.model import CatalogModel, Edge
from tests.event_catalog.support import ROOT


def test_a_state_is_placed_below_every_state_leading_to_it() -> None:
    # Given A → B → D and A → D, and a loop D → B
    edges = [("A", "B"), ("B", "D"), ("A", "D"), ("D", "B")]
    # When layered, then D is below B (the longest way), and the loop lengthens nothing
    assert layers("A", ["A", "B", "D", "E"], edges) == {"A": 0, "B": 1, "D": 2, "E": 0}


def test_the_saga_diagram_has_every_state_and_transition_of_its_asl_file() -> None:
    machine = build_model(ROOT).machines[0]
    svg = machine_svg(machine)
    assert svg.count('<g class="node"') == len(machine.states)
    assert svg.count("<path ") == len(machine.transitions) + 1  # and the arrow head
    assert 'id="state-ReserveInventory"' in svg
    assert "catch States.Timeout" in svg


def test_the_graph_links_producers_to_event_versions_to_consumers() -> None:
    key = EventKey("ordermesh.order", "OrderPlaced", 2)
    model = CatalogModel(edges=[Edge("order", key, "platform"), Edge("order", key, "analytics")])
    svg = graph_svg(model, prefix="../")
    assert 'href="../events/order/OrderPlaced/v2.html"' in svg
    assert 'href="../services/order.html"' in svg
    assert svg.count("<path ") == 1 + 2 + 1  # producer → event, event → each consumer, arrow head
