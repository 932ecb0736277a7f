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
-- The first of these conditions that is True decides (Degraded wins over Paused over Progressing).
local verdicts = {{"Degraded", "Degraded"}, {"Paused", "Suspended"}, {"Progressing", "Progressing"}}
for _, verdict in ipairs(verdicts) do
  local found = condition(verdict[1])
  if found ~= nil and found.status == "True" then
    hs.status = verdict[2]
    hs.message = (found.reason or verdict[1]) .. ": " .. (found.message or "")
    return hs
  end
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
