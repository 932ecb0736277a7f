-- Argo CD health of an AgentDeployment (agentops.dev), from the conditions the operator writes.
-- Degraded (a rollback, an aborted rollout, an invalid spec) wins; a paused rollout is Suspended,
-- as Argo CD shows a paused Argo Rollout; a rollout in progress is Progressing; Ready is Healthy.
-- Lua 5.1, base library only (Argo CD's sandbox).
hs = {}
local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local generation = obj.metadata.generation
if obj.status == nil or obj.status.observedGeneration == nil or (generation ~= nil and obj.status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on the latest spec"
  return hs
end
local degraded = condition("Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.reason .. ": " .. (degraded.message or "")
  return hs
end
local paused = condition("Paused")
if paused ~= nil and paused.status == "True" then
  hs.status = "Suspended"
  hs.message = paused.reason .. ": " .. (paused.message or "")
  return hs
end
local progressing = condition("Progressing")
if progressing ~= nil and progressing.status == "True" then
  hs.status = "Progressing"
  hs.message = progressing.message or "Rolling out"
  return hs
end
local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end
hs.status = "Progressing"
hs.message = "Waiting for the first revision to become available"
if ready ~= nil and ready.message ~= nil then
  hs.message = ready.message
end
return hs
