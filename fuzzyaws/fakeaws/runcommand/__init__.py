"""SSM Run Command, emulated: moto's SendCommand adds every instance of the region
when given InstanceIds and it has no ListCommandInvocations, so the proxy keeps its
own commands, per account and region, and simulates each invocation against a clock
tests can advance.

- commands.py: ``aws.commands``, the per-host outcomes, knobs, clock and records
  tests use, and the store of simulated commands;
- simulation.py: a simulated command and its invocations' Status at time t;
- schedule.py: when each invocation starts and ends (MaxConcurrency, MaxErrors,
  timeouts);
- output.py: stdout / stderr as the SSM agent reports and truncates them;
- responses.py: the API's JSON shapes of commands and invocations;
- send.py: the SendCommand handler; tracking.py: ListCommandInvocations,
  GetCommandInvocation, ListCommands and CancelCommand.
"""
