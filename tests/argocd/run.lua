-- Runs the Argo CD health and action scripts of deploy/argocd/ against the
-- fixtures, in a sandbox like Argo CD's (gopher-lua = Lua 5.1, with only
-- the base, table and a safe os library). Usage: lua5.1 run.lua REPO_ROOT
assert(_VERSION == "Lua 5.1", "run with lua5.1: Argo CD's gopher-lua is Lua 5.1, not " .. _VERSION)
local repo = assert(arg[1], "usage: lua5.1 run.lua REPO_ROOT")
package.path = repo .. "/tests/argocd/?.lua;" .. package.path
local json = require("json")
local scripts = repo .. "/deploy/argocd/kappa.dev/"

local failures, passed = 0, 0
local function check(ok, name, detail)
  if ok then
    passed = passed + 1
  else
    failures = failures + 1
    print("not ok - " .. name .. (detail and (": " .. detail) or ""))
  end
end

local function read(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("*a")
  f:close()
  return text
end

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return out
end

local function equal(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- Argo CD's libraries, nothing else: string.* and math.* are absent there.
local function sandbox(obj)
  local env = {obj = obj, table = copy(table), os = {time = os.time, date = os.date}}
  for _, name in ipairs({"assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal", "rawget",
                         "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type",
                         "unpack", "xpcall"}) do
    env[name] = _G[name]
  end
  env._G = env
  return env
end

local compiled = {}
local function run(path, obj)
  if compiled[path] == nil then
    local source = read(path)
    -- Method calls on strings would need the string library Argo leaves out.
    local code = source:gsub("%-%-[^\n]*", "")
    for _, pattern in ipairs({"string%.", "math%.", "io%.", "require", "[%w_%)%]\"']:[%a_]+%s*%("}) do
      check(not code:find(pattern), path .. " uses only Argo CD's libraries", "matches " .. pattern)
    end
    compiled[path] = assert(loadstring(source, "@" .. path))
  end
  local chunk = compiled[path]
  setfenv(chunk, sandbox(obj))
  local ok, result = pcall(chunk)
  if not ok then return nil, tostring(result) end
  return result
end

local valid = {Healthy = true, Progressing = true, Degraded = true, Suspended = true, Missing = true, Unknown = true}

-- What each action must change, as {path, value}; nothing else may change.
local effects = {
  Pipeline = {
    rollback = {{{"metadata", "annotations", "kappa.dev/rollback"}, "true"}},
    pause = {{{"spec", "paused"}, true}},
    resume = {{{"spec", "paused"}, false}},
  },
  Reprocessing = {
    promote = {{{"spec", "promote"}, true}},
    abort = {{{"spec", "abort"}, true}},
  },
}

local function set_path(obj, path, value)
  for i = 1, #path - 1 do
    if obj[path[i]] == nil then obj[path[i]] = {} end
    obj = obj[path[i]]
  end
  obj[path[#path]] = value
end

local function names(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return table.concat(out, ",")
end

for _, kind in ipairs({"Pipeline", "Reprocessing"}) do
  local cases = json.decode(read(repo .. "/tests/argocd/fixtures/" .. kind:lower() .. ".json"))
  check(#cases > 0, kind .. " has fixtures")
  for _, case in ipairs(cases) do
    local name = kind .. " [" .. case.case .. "]"
    local before = copy(case.object)

    local hs, err = run(scripts .. kind .. "/health.lua", case.object)
    if hs == nil then
      check(false, name .. " health", err)
    else
      check(valid[hs.status] ~= nil, name .. " health status is one Argo CD knows", tostring(hs.status))
      check(hs.status == case.health[1] and hs.message == case.health[2], name .. " health",
            ("expected %s %q, got %s %q"):format(case.health[1], case.health[2], tostring(hs.status), tostring(hs.message)))
    end
    check(equal(case.object, before), name .. " health leaves obj alone")

    local actions
    actions, err = run(scripts .. kind .. "/actions/discovery.lua", copy(case.object))
    if actions == nil then
      check(false, name .. " discovery", err)
    else
      check(names(actions) == names(case.actions), name .. " discovery lists every action",
            "expected " .. names(case.actions) .. ", got " .. names(actions))
      for action, enabled in pairs(case.actions) do
        local a = actions[action] or {}
        check(a.disabled == not enabled, name .. " discovery: " .. action,
              ("expected %s, got disabled=%s"):format(enabled and "enabled" or "disabled", tostring(a.disabled)))
        if enabled then
          local want = copy(case.object)
          for _, e in ipairs(effects[kind][action]) do set_path(want, e[1], e[2]) end
          local got
          got, err = run(scripts .. kind .. "/actions/" .. action .. "/action.lua", copy(case.object))
          check(got ~= nil and equal(got, want), name .. " action " .. action .. " changes exactly what it should",
                err or "the returned object differs")
        end
      end
    end
  end
  -- Every action has its effect listed here and an action.lua on disk.
  for action in pairs(effects[kind]) do
    local f = io.open(scripts .. kind .. "/actions/" .. action .. "/action.lua")
    check(f ~= nil, kind .. " action " .. action .. " has an action.lua")
    if f then f:close() end
  end
end

print(("%d checks passed, %d failed"):format(passed, failures))
os.exit(failures == 0 and 0 or 1)
