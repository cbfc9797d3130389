"""A test-only app for the worker tests: one periodic job every second and one task, each leaving
a file per run in $GUANXI_TEST_OUTPUT_DIR so the test can count runs from outside the workers."""
