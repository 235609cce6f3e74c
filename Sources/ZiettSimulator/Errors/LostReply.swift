/// Thrown after the connection was closed on purpose: the work is done, the client gets no answer.
struct LostReply: Error {}
