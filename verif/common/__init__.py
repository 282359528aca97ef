# SPDX-License-Identifier: Apache-2.0
"""Reusable pyuvm/cocotb verification harness shared by every block's testbench.

beats      -- real MIT-BIH beats as sequence items, chosen by record/class/split/seed
stream     -- valid/ready stream agent: driver (idle insertion), ready driver
              (back-pressure), handshake monitor
statemon   -- monitor for internal state (the uniform trace port) and status pulses
scoreboard -- exact-comparison scoreboard base fed by analysis FIFOs
coverage   -- functional coverage subscriber with required bins and a JSON dump
clocking   -- clock/reset helpers and run knobs read from the environment
"""
