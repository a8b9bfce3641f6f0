-- Argo CD health of a kappa.dev Pipeline, read from its kstatus conditions.
-- Argo runs it in gopher-lua (Lua 5.1) with only the base and table
-- libraries: no string.* or math.*, so text is built with `..` alone.
local hs = {}
local status = obj.status

local function condition(kind)
  if status == nil or status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then return c end
  end
  return nil
end

local function is_true(c) return c ~= nil and c.status == "True" end

-- "Reason: message", or whichever of the two is set.
local function explain(c)
  local msg = c.message or ""
  if c.reason == nil or c.reason == "" then return msg end
  if msg == "" then return c.reason end
  return c.reason .. ": " .. msg
end

local lambda = obj.spec ~= nil and obj.spec.architecture == "Lambda"

-- The candidate's progress from the status fields, for an empty message.
-- A Lambda candidate catching up is its generation's speed layer.
local function candidate_progress()
  local text = "v" .. tostring(status.candidateVersion) .. " catching up"
  if lambda then text = "generation " .. tostring(status.candidateVersion) .. "'s speed layer catching up" end
  if status.candidateLag ~= nil then text = text .. ": lag " .. tostring(status.candidateLag) end
  if status.candidateProgress ~= nil then text = text .. ", " .. status.candidateProgress end
  if status.candidateETA ~= nil then text = text .. ", ETA " .. status.candidateETA end
  return text
end

-- Lambda: the batch run in progress (batchRuns is newest first), or nil.
local function running_batch()
  if status.batchRuns == nil or status.batchRuns[1] == nil then return nil end
  if status.batchRuns[1].outcome ~= "Running" then return nil end
  return status.batchRuns[1]
end

local function batch_progress(run)
  local text = "generation " .. tostring(run.version) .. ": batch run"
  if run.records ~= nil then text = text .. " folding " .. tostring(run.records) .. " records up to its snapshot" end
  return text
end

-- Lambda: how old the serving generation's batch is, after what serves.
local function with_batch_age(text)
  local serving = status.servingGeneration
  if not lambda or serving == nil or serving.batchCompletedAt == nil then return text end
  return text .. "; batch of v" .. tostring(serving.version) .. " completed " .. serving.batchCompletedAt
end

local generation = obj.metadata.generation
if status == nil or (generation ~= nil and (status.observedGeneration == nil or generation > status.observedGeneration)) then
  hs.status = "Progressing"
  hs.message = "waiting for the controller"
  return hs
end

local stalled = condition("Stalled")
if is_true(stalled) then
  hs.status = "Degraded"
  hs.message = explain(stalled)
  return hs
end

if obj.spec ~= nil and obj.spec.paused == true then
  hs.status = "Suspended"
  hs.message = "paused (spec.paused is true)"
  return hs
end

local reconciling = condition("Reconciling")
if is_true(reconciling) then
  if reconciling.reason == "AwaitingPromotion" then
    -- A human has to act: Suspended, like a paused Argo Rollout.
    hs.status = "Suspended"
    hs.message = "waiting for promotion (kubectl kappa promote)"
    if reconciling.message ~= nil and reconciling.message ~= "" then
      hs.message = hs.message .. ": " .. reconciling.message
    end
    return hs
  end
  hs.status = "Progressing"
  if reconciling.message ~= nil and reconciling.message ~= "" then
    hs.message = reconciling.message
  elseif reconciling.reason == "BatchRunning" and running_batch() ~= nil then
    hs.message = batch_progress(running_batch())
  elseif status.candidateVersion ~= nil then
    hs.message = candidate_progress()
  else
    hs.message = explain(reconciling)
  end
  return hs
end

local ready = condition("Ready")
if is_true(ready) then
  hs.status = "Healthy"
  hs.message = ready.message
  if hs.message == nil or hs.message == "" then hs.message = "serving v" .. tostring(status.activeVersion) end
  hs.message = with_batch_age(hs.message)
  return hs
end
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = explain(ready)
  return hs
end

hs.status = "Progressing"
hs.message = "waiting for the controller"
return hs
