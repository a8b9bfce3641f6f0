-- Argo CD actions of a Reprocessing: promote a Manual one that has caught
-- up; abort one that has not finished (the CRD forbids undoing an abort).
local actions = {}
local spec = obj.spec or {}
local phase = nil
if obj.status ~= nil then phase = obj.status.phase end

local promotable = phase == "Promotable" and spec.promote ~= true
-- Once Promoted the version serves: undo that with the Pipeline's rollback.
local finished = phase == "Promoted" or phase == "Succeeded" or phase == "Aborted" or phase == "Failed"

actions["promote"] = {["disabled"] = not promotable, ["iconClass"] = "fa fa-fw fa-forward", ["displayName"] = "Promote"}
actions["abort"] = {["disabled"] = finished or spec.abort == true, ["iconClass"] = "fa fa-fw fa-stop",
                    ["displayName"] = "Abort"}
return actions
