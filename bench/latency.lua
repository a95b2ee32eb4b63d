-- wrk done() hook: exact percentiles, since wrk --latency stops at 99 %.
done = function(summary, latency, requests)
	for _, p in ipairs({ 50, 99, 99.9 }) do
		io.write(string.format("latency_us p%g %d\n", p, latency:percentile(p)))
	end
end
