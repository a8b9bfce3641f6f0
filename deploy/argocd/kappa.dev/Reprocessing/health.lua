-- Argo CD health of a kappa.dev Reprocessing (one attempt to build and
-- promote one version). Lua 5.1 with only the base and table libraries.
local hs = {}
local status = obj.status
local spec = obj.spec or {}

local function condition(kind)
  if status == nil or status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then return c end
  end
  return nil
end

-- "Reason: message", or whichever of the two is set.
local function explain(c, fallback)
  if c == nil then return fallback end
  local msg = c.message or ""
  if c.reason == nil or c.reason == "" then return msg end
  if msg == "" then return c.reason end
  return c.reason .. ": " .. msg
end

-- Seconds as the operator prints them: 45s, 1m30s, 2h5m.
local function duration(s)
  local h = (s - s % 3600) / 3600
  local m = (s % 3600 - s % 60) / 60
  local sec = s % 60
  if h > 0 then
    if m > 0 then return tostring(h) .. "h" .. tostring(m) .. "m" end
    return tostring(h) .. "h"
  end
  if m > 0 then
    if sec > 0 then return tostring(m) .. "m" .. tostring(sec) .. "s" end
    return tostring(m) .. "m"
  end
  return tostring(sec) .. "s"
end

local generation = obj.metadata.generation
if status == nil or (generation ~= nil and (status.observedGeneration == nil or generation > status.observedGeneration)) then
  hs.status = "Progressing"
  hs.message = "waiting for the controller"
  return hs
end

local phase = status.phase
local version = ""
if status.version ~= nil then version = "v" .. tostring(status.version) .. " " end

-- Terminal phases first: they are final whatever else the status says.
if phase == "Succeeded" or phase == "Promoted" then
  hs.status = "Healthy"
  local c = condition(phase == "Succeeded" and "Succeeded" or "Promoted")
  hs.message = (c ~= nil and c.message ~= nil and c.message ~= "") and c.message or version .. "promoted"
  return hs
end
if phase == "Failed" then
  hs.status = "Degraded"
  hs.message = explain(condition("Succeeded"), explain(condition("Stalled"), "failed"))
  return hs
end
if phase == "Aborted" then
  -- Deliberate (spec.abort): not an error, but nothing will happen any more.
  hs.status = "Suspended"
  hs.message = "aborted"
  return hs
end

if spec.abort == true then
  hs.status = "Progressing"
  hs.message = "aborting"
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = explain(stalled, "stalled")
  return hs
end

if phase == "Promotable" then
  if spec.promote == true then
    hs.status = "Progressing"
    hs.message = version .. "promoting"
    return hs
  end
  hs.status = "Suspended"
  local promoted = condition("Promoted")
  if promoted ~= nil and promoted.reason == "Paused" then
    hs.message = "caught up; the Pipeline is paused"
  else
    hs.message = "waiting for promotion (kubectl kappa promote)"
  end
  return hs
end

hs.status = "Progressing"
if phase == "CatchingUp" then
  hs.message = version .. "catching up"
  if status.lag ~= nil then hs.message = hs.message .. ": lag " .. tostring(status.lag) end
  if status.progressPercent ~= nil then hs.message = hs.message .. ", " .. tostring(status.progressPercent) .. "%" end
  if status.etaSeconds ~= nil then hs.message = hs.message .. ", ETA " .. duration(status.etaSeconds) end
elseif phase == "Batching" then
  -- A Lambda generation's batch run: the speed layer starts once it completed.
  hs.message = version .. "batch run"
  if status.batchRecords ~= nil then
    hs.message = hs.message .. ": folding " .. tostring(status.batchRecords) .. " records up to the snapshot"
  end
elseif phase == "Provisioning" then
  hs.message = version .. "provisioning"
else
  hs.message = "pending"
end
return hs
