-- wrk script: requests cycle through the paths given after "--" (the
-- object set); done() prints exact percentiles, since wrk --latency
-- stops at 99 %.
local paths = {}
local n = 0

init = function(args)
	for _, p in ipairs(args) do
		paths[#paths + 1] = p
	end
end

request = function()
	if #paths == 0 then
		return wrk.format(nil)
	end
	n = n % #paths + 1
	return wrk.format(nil, paths[n])
end

done = function(summary, latency, requests)
	for _, p in ipairs({ 50, 99, 99.9 }) do
		io.write(string.format("latency_us p%g %d\n", p, latency:percentile(p)))
	end
end
