-- Argo CD actions of a Pipeline. All are listed; those that cannot apply now
-- are disabled, so the menu always shows what exists.
local actions = {}
local paused = obj.spec ~= nil and obj.spec.paused == true

-- A rollback flips serving back to a warm (Standby) previous version.
local standby = false
if obj.status ~= nil and obj.status.versions ~= nil then
  for _, v in ipairs(obj.status.versions) do
    if v.state == "Standby" then standby = true end
  end
end

actions["rollback"] = {["disabled"] = not standby, ["iconClass"] = "fa fa-fw fa-undo", ["displayName"] = "Roll back"}
actions["pause"] = {["disabled"] = paused, ["iconClass"] = "fa fa-fw fa-pause", ["displayName"] = "Pause"}
actions["resume"] = {["disabled"] = not paused, ["iconClass"] = "fa fa-fw fa-play", ["displayName"] = "Resume"}
return actions
