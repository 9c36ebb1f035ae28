"""Every write the platform makes, one module per area. Views, API views, tasks and commands
translate their input and call these functions; nothing else saves a model."""
