"""Runs a command, passes its output through and prints 'exit code N'."""
import subprocess
import sys

result = subprocess.run(sys.argv[1:])
sys.stdout.flush()
print(f"exit code {result.returncode}", flush=True)
