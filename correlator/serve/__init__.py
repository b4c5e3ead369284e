# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""What people look at and act through: the operator API, the NOC page, handover, reports.

``api`` (routes), ``auth`` (tokens and roles), ``operations`` (what the routes read and
do), ``topoview`` (an incident's topology, laid out), ``stream`` (live changes),
``openapi`` (the contract), ``handover`` and ``reports`` (pure builders and loaders),
``pages`` and ``static/`` (the NOC page). The composition root wires them.
"""
