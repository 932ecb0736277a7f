-- Argo CD actions offered on an AgentDeployment, enabled when they make sense now.
-- Each action sets the annotation the operator acts on once (see `kubectl agents`).
actions = {}
local rollout = nil
local hold = nil
if obj.status ~= nil then
  rollout = obj.status.rollout
  hold = obj.status.hold
end
local running = rollout ~= nil and rollout.abortedAt == nil
local paused = running and rollout.paused == true
actions["promote"] = {["disabled"] = not running}
actions["promote-full"] = {["disabled"] = not running}
actions["abort"] = {["disabled"] = not running}
actions["pause"] = {["disabled"] = not running or paused}
actions["resume"] = {["disabled"] = not paused}
actions["retry"] = {["disabled"] = not ((rollout ~= nil and rollout.abortedAt ~= nil) or hold ~= nil)}
return actions
