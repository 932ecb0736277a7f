-- Argo CD action "promote-full": asks the operator through the annotation agentops.dev/promote (acted on once, then removed).
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["agentops.dev/promote"] = "full"
return obj
