# A schedule template for the config tests: the tile sizes are sampled.
i, j, k = sch.get_loops("C")
ti = sch.sample_perfect_tile(i, n=2)
