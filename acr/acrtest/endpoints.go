package acrtest

type endpoint struct{}
type customDomain struct{}

func (s *Server) endpointRoutes() {}
