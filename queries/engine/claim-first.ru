#+ summary: Claim the data before its first write (no version yet), unless another write claims it
#+ params:
#+   state: {type: iri}
#+   version: {type: iri}
#+   claimed: {type: iri}
#+   claim: {type: string}
INSERT { GRAPH ?state { ?state ?claimed ?claim } }
WHERE {
  FILTER NOT EXISTS { GRAPH ?state { ?state ?version ?anyVersion } }
  FILTER NOT EXISTS { GRAPH ?state { ?state ?claimed ?anyClaim } }
}
