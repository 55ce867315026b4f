// The same residents' app as Relay writes it (compiled by relay-compiler).
declare function graphql(strings: TemplateStringsArray): unknown;

export const home = graphql`
  query ResidentAppHomeQuery {
    me { role community { name } }
    notices(first: 20) { edges { node { id title category } } }
  }
`;

export const vote = graphql`
  mutation ResidentAppVoteMutation($projectId: ID!, $choice: VoteChoice!) {
    castVote(input: { projectId: $projectId, choice: $choice }) { project { id viewerVote } }
  }
`;
