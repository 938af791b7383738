"""Payments: a provider interface and its implementations (simulator, EMVCo QR, gateways)."""
