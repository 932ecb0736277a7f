-- Argo CD action "pause": asks the operator through the annotation agentops.dev/pause (acted on once, then removed).
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["agentops.dev/pause"] = "true"
return obj
