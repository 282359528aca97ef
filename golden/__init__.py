"""Python golden models and data layer for the ECG heartbeat-classification hardware."""
