"""Lessons: the course's claims as runnable, measured demonstrations.

Each module shows one family of phenomena (activations, initialization, normalization,
attention scaling, ...) as functions that run a small experiment and return the measured
numbers; the tests assert those numbers, the examples plot them, and ``docs/curriculum.md``
points from each concept to its lesson. Import lessons from their modules, e.g.
``from nnlab.lessons.activations import dead_relu_count``.
"""
