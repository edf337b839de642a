"""Emergency sweeps (questions, observation periods, no-one-missed) and the station's view of visits."""
