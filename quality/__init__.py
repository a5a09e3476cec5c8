"""Quality checks: "đúng, đủ, sạch, sống" (correct, complete, clean, live) expectation suites."""
