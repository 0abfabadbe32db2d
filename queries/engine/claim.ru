#+ summary: Claim the data version a write was prepared against, unless another write claims it
#+ description: The version literal becomes the claim; nothing happens if it is gone or a claim is there.
#+ params:
#+   state: {type: iri}
#+   version: {type: iri, description: the predicate of the version}
#+   claimed: {type: iri, description: the predicate of a claim}
#+   expected: {type: string, description: the version the write was prepared against}
#+   claim: {type: string}
DELETE { GRAPH ?state { ?state ?version ?expected } }
INSERT { GRAPH ?state { ?state ?claimed ?claim } }
WHERE {
  GRAPH ?state { ?state ?version ?expected }
  FILTER NOT EXISTS { GRAPH ?state { ?state ?claimed ?anyClaim } }
}
