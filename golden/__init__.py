# SPDX-License-Identifier: Apache-2.0
"""Python golden models and data layer for the ECG heartbeat-classification hardware."""
