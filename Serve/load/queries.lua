-- wrk script: GET /search for each query of $KITE_LOAD_PATHS (one request target per line), in turn from a
-- random start per thread. Counts non-200 answers (wrk reports them too, as "Non-2xx or 3xx responses").
local targets = {}
local next_index = 1

function init(args)
  for line in io.lines(os.getenv("KITE_LOAD_PATHS")) do
    targets[#targets + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  next_index = math.random(#targets)
end

function request()
  next_index = next_index % #targets + 1
  return wrk.format("GET", targets[next_index])
end
