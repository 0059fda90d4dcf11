cat /proc/sonde_e2e_procfs/state; echo; echo hello > /proc/sonde_e2e_procfs/state; cat /proc/sonde_e2e_procfs/state; cat /proc/sonde_e2e_procfs/dir/small; echo
