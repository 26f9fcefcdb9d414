"""Appointments for field reps: review, accept or reject, record outcomes, export."""
