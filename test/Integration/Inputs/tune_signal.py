"""`tune` stopped by SIGTERM or SIGINT while trials run: it says so, exits 1, stops and reaps its trials and
removes their directory (argv: the model binary, a scratch TMPDIR, the signal name). Prints what it saw."""
import glob
import os
import signal
import subprocess
import sys
import time

binary, tmp, name = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(tmp, exist_ok=True)
env = dict(os.environ, TMPDIR=tmp)
p = subprocess.Popen([binary, "tune", "--lr", "loguniform(1e-3,1e-1)", "--trials", "4", "--jobs", "2",
                      "--epochs", "1000"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
# Wait until both trials run: each writes its log in the trials' directory.
deadline = time.time() + 60
while time.time() < deadline and len(glob.glob(tmp + "/nnc-tune-*/*.log")) < 2:
    time.sleep(0.05)
print("trials started:", len(glob.glob(tmp + "/nnc-tune-*/*.log")))
children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
p.send_signal(getattr(signal, "SIG" + name))
out, _ = p.communicate(timeout=60)
print(out.strip().splitlines()[-1])
print("exit status:", p.returncode)
print("trial directories left:", len(glob.glob(tmp + "/nnc-tune-*")))
alive = [c for c in children if os.path.exists(f"/proc/{c}") and
         open(f"/proc/{c}/stat").read().split()[2] != "Z"]
print("trials still running:", len(alive))
